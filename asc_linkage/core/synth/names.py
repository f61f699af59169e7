"""Name pools for the synthetic borough, one per naming tradition.

Pools are whitespace-separated strings so that they stay readable and cheap to extend; `_` stands
for a space inside one name (``Da_Silva`` -> ``Da Silva``). Each ethnic group draws its forenames
and surnames from a mix of traditions (see ``population.ETHNIC_GROUPS``), so a Black Caribbean
resident mostly carries anglophone names and a Black African resident mostly Yoruba, Igbo, Akan or
Somali ones, which is what makes name-based linkage harder for some groups than for others.
"""

from __future__ import annotations

import numpy as np


def _pool(text: str) -> np.ndarray:
    names = [token.replace("_", " ") for token in text.split()]
    # Duplicates would silently inflate some names' frequency; the pools are data, keep them clean.
    return np.array(list(dict.fromkeys(names)), dtype=object)


ENGLISH = {
    "male": _pool("""
        William John James Robert David Michael Peter Richard Thomas Christopher Paul Mark Andrew
        Stephen Anthony Kenneth Ronald Raymond Dennis Derek Roy Leslie Frederick Albert Arthur Harold
        Ernest Stanley Walter Frank George Henry Edward Charles Alfred Reginald Sidney Norman Cyril
        Gordon Douglas Victor Bernard Leonard Eric Alan Brian Keith Colin Graham Barry Trevor Terence
        Geoffrey Malcolm Roger Nigel Martin Philip Ian Neil Simon Daniel Matthew Jonathan Timothy Gary
        Steven Kevin Lee Darren Jason Craig Wayne Dean Carl Adam Benjamin Samuel Joseph Luke Jack Harry
        Oliver Jacob Charlie Alexander Nicholas Patrick Samuel Lewis Ryan Jamie Scott Ross Callum Liam
        Nathan Aaron Tom Max Oscar Toby Joshua Dominic Rupert Hugh Giles Julian Gerald Maurice Herbert
        Cecil Clifford Clive Howard Lionel Percy Rodney Stuart Vincent Wilfred Archie Freddie Alfie Theo
        Edmund Francis Jeremy Rex Ralph Russell Glen Elliot Harvey Reuben Ashley Owen Rhys Gareth Dylan
        Ewan Fraser Hamish Angus Duncan Alistair
    """),
    "female": _pool("""
        Margaret Mary Elizabeth Patricia Jean Joan Barbara Dorothy Doris Irene Joyce Betty Eileen
        Sheila Brenda Valerie Pauline Maureen Sandra Susan Linda Christine Carol Janet Ann Anne Jennifer
        Gillian Kathleen Elsie Edna Ethel Florence Gladys Hilda Ivy Lilian Mabel Marjorie Muriel
        Phyllis Rose Violet Winifred Vera Audrey Beryl Evelyn Iris Olive Rita Shirley Sylvia Wendy
        Yvonne Lesley Julie Karen Deborah Tracey Tracy Nicola Sarah Helen Claire Louise Emma Rachel
        Rebecca Victoria Katherine Catherine Lucy Charlotte Hannah Sophie Emily Jessica Amy Laura
        Gemma Kelly Lisa Michelle Donna Joanne Jacqueline Alison Caroline Diane Dawn Heather Hazel
        Lorraine Marion Rosemary Teresa Theresa Frances Josephine Alice Grace Ruby Lily Ella Isla Poppy
        Freya Evie Molly Daisy Phoebe Harriet Imogen Abigail Eleanor Georgina Amelia Olivia Isabel
        Isabella Matilda Florence Martha Edith Winifred Constance Agnes Annie Nellie Minnie Maud
        Gwendoline Lorna Jill Elaine Angela Denise Beverley Sharon Zoë Chloë Naomi Harriet Beatrice
        Clara Millie Jasmine Megan Bethany Natalie Stacey Kirsty Leanne Jade Holly Kerry
    """),
    "surname": _pool("""
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
        Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke  Jackson Wood Turner
        Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott
        Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson
        Bailey Collins Bell Shaw Murphy Miller Cox Richards  Marshall Anderson Simpson Ellis Adams
          Wilkinson Foster Chapman Powell Webb Rogers Gray Mason  Hunt  Campbell
        Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens
        Jenkins Dixon Fletcher Howard Gibson Ellis Reynolds Saunders Payne Fox Pearson Rose Day Lawrence
        Hudson Graham Gardner Hart Kennedy Chambers Spencer Hamilton Wells Fraser Lane Armstrong Berry
        Ross Hunter Dean Burton Knowles Hammond Sutton Bradley Wheeler Cole Gordon Hayes Barrett Pearce
        Goodwin Lamb Grant Harvey Burns Holland Sharp Boyd Stone Parsons Lowe Pope Tucker Fowler Porter
        Marsh Walsh Atkinson Newton Hodgson Slater Whitehouse Blackwell Ashworth Pickering Whitfield
        Sanderson Hargreaves Cartwright Houghton Bentley Rowe Nicholls Gill Summers Farmer Bishop Page
        Dawson Lambert Potter Brooks Bird Moss Nash Sims Steele Booth Kemp Ball Rhodes Frost Warren
        Crawford Norris Sheppard Coates Greenwood Hewitt Lucas Sykes Thornton Tyler Vaughan Waters
        Woodward Yates
    """),
}

IRISH = {
    "male": _pool("""
        Patrick Sean Seán Michael John Declan Ciaran Ciarán Padraig Pádraig Eoin Liam Niall Cormac
        Fergal Brendan Kieran Dermot Colm Donal Eamon Éamonn Fintan Aidan Aodhán Conor Cathal Ronan
        Tadhg Oisín Cillian Darragh Shane Diarmuid Gerard Kevin Martin Thomas Joseph James Francis
        Brian Denis Noel Desmond Vincent Cornelius Finbarr Lorcan Rory Senan Ultan Malachy Peadar Séamus
        Seamus Micheál Tomás Eoghan Ruairí Odhrán
    """),
    "female": _pool("""
        Mary Bridget Brigid Siobhán Siobhan Aoife Niamh Róisín Roisin Sinéad Sinead Máire Maire Orla
        Orlaith Caoimhe Clodagh Deirdre Eileen Kathleen Margaret Nora Nuala Úna Una Gráinne Grainne
        Ciara Aisling Eimear Fionnuala Mairéad Maureen Noreen Philomena Assumpta Bernadette Colette
        Dympna Majella Treasa Sorcha Saoirse Méabh Meabh Ailbhe Áine Aine Catriona Dervla Emer Muireann
        Neasa Oonagh Patricia Rosaleen Teresa Josephine Annie Julia Honor Ita Concepta
    """),
    "surname": _pool("""
        Murphy Kelly O'Sullivan Walsh Smith O'Brien Byrne Ryan O'Connor O'Neill O'Reilly Doyle McCarthy
        Gallagher O'Doherty Kennedy Lynch Murray Quinn Moore McLoughlin O'Carroll Connolly Daly
        O'Connell Wilson Dunne Brennan Burke Collins Campbell Clarke Johnston Hughes O'Farrell
        Fitzgerald Brown Martin Maguire Nolan Flynn Thompson O'Callaghan O'Donnell Duffy O'Mahony Boyle
        Healy O'Shea White Sweeney Hayes Kavanagh Power McGrath Moran Brady Stewart Casey Foley
        Fitzpatrick O'Leary McDonnell MacMahon Donnelly Regan Donovan Burns Flanagan Mullan Barry
        Kane Robinson Cunningham Griffin Kenny Sheehan Ward Whelan Lyons Reid Graham Higgins Cullen
        Keane King Maher McKenna Bell Scott Hogan O'Keeffe Magee McNamara McDonald MacDermott Moloney
        O'Rourke Buckley O'Dwyer Ní_Bhriain Mac_Giolla Ó_Súilleabháin Ó_Briain Mac_Cárthaigh
        Ó_Néill Ní_Mhurchú Cassidy Carey Hennessy Keogh Madden Mooney Nagle Tierney Tobin Devlin
    """),
}

EUROPEAN = {  # Polish, Portuguese, Spanish, Italian, French, Lithuanian, Romanian, Greek, German
    "male": _pool("""
        Łukasz Lukasz Piotr Paweł Pawel Krzysztof Tomasz Michał Michal Marcin Grzegorz Jakub Mateusz
        Wojciech Andrzej Stanisław Zbigniew Jerzy Kamil Dawid Bartosz Przemysław Rafał Sebastian
        João Joao José Jose António Antonio Manuel Francisco Luís Luis Pedro Rui Nuno Tiago Gonçalo
        Duarte Vasco Fernando Carlos Miguel Ángel Javier Alejandro Sergio Jorge Raúl Andrés Álvaro
        Giuseppe Giovanni Marco Luca Alessandro Francesco Matteo Lorenzo Davide Stefano Andrea Paolo
        Jean Pierre François Francois Jérôme Jerome Étienne Etienne Théo Mathieu Olivier Benoît Benoit
        Jonas Mantas Tomas Darius Vytautas Andrei Ion Mihai Florin Bogdan Cristian Ionuț Dimitrios
        Georgios Nikolaos Konstantinos Yiannis Klaus Jürgen Jurgen Stefan Matthias Lars Henrik Anders
        Søren Björn Bjorn Emre Mehmet Mustafa Ivan Dmitri Sergei Oleksandr Vladimir
    """),
    "female": _pool("""
        Anna Agnieszka Katarzyna Małgorzata Malgorzata Joanna Magdalena Monika Ewa Barbara Zofia
        Aleksandra Natalia Karolina Justyna Dorota Beata Żaneta Zaneta Jadwiga Halina Krystyna Wiesława
        Maria Ana Inês Ines Beatriz Mariana Joana Catarina Sofia Leonor Conceição Conceicao Fátima
        Fatima Lúcia Lucia Carmen Pilar Dolores María Lucía Elena Isabel Raquel Begoña Nuria Paula
        Giulia Francesca Chiara Giovanna Alessandra Valentina Federica Elisa Rosa Antonella Marie
        Hélène Helene Élodie Elodie Céline Celine Amélie Amelie Chloé Chloe Margaux Sabine Ingrid Greta
        Rūta Ruta Ieva Aistė Ioana Elena Andreea Mihaela Alina Eleni Dimitra Katerina  Ursula
        Heike Birgit Astrid Sigrid Ayşe Ayse Elif Olga Irina Svetlana Natalia Oksana Yulia
    """),
    "surname": _pool("""
        Nowak Kowalski Kowalska Wiśniewski Wisniewski Wójcik Wojcik Kowalczyk Kamiński Kaminski
        Lewandowski Zieliński Zielinski Szymański Woźniak Wozniak Dąbrowski Dabrowski Kozłowski
        Jankowski Mazur Krawczyk Piotrowski Grabowski Pawłowski Michalski Król Wieczorek Jabłoński
        Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes Gonçalves
        Goncalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira Moreira Correia
        Mendes Nunes Soares Vieira Monteiro Cardoso Rocha Neves Coelho Cruz Da_Silva Dos_Santos
        De_Sousa De_Freitas García Garcia Fernández Fernandez González Gonzalez Rodríguez López Lopez
        Martínez Martinez Sánchez Sanchez Pérez Perez Gómez Muñoz Munoz Romero Rossi Russo Ferrari
        Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca Mancini Costa
        Giordano Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre Lefevre
        Girard Kazlauskas Petrauskas Jankauskas Popescu Ionescu Popa Stan Dumitru Papadopoulos
        Georgiou Nikolaidis Müller Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann
        Jensen Nielsen Hansen Andersson Johansson Yılmaz Yilmaz Kaya Demir Şahin Ivanov Petrov
        Kovalenko Shevchenko
    """),
}

LATIN_AMERICAN = {
    "male": _pool("""
        Juan Carlos Luis Jorge José Jose Andrés Andres Diego Santiago Sebastián Sebastian Felipe Julián
        Julian Camilo Mauricio Alejandro Fernando Ricardo Eduardo Gustavo Hernán Óscar Oscar Rodrigo
        Marcelo Thiago Gabriel Lucas Matheus Rafael Gilberto Wellington Washington Edson Cleber Anderson
        Wesley Jefferson Fabio Fábio Leandro Renato Márcio Marcio Víctor Victor Hugo Pablo Emiliano
    """),
    "female": _pool("""
        María Maria Ana Luisa Carolina Daniela Valentina Camila Paola Natalia Catalina Juliana Alejandra
        Andrea Diana Gabriela Mónica Monica Patricia Claudia Sandra Luz Marisol Yolanda Adriana Fernanda
        Larissa Letícia Leticia Thaís Thais Juliana Vanessa Priscila Renata Bruna Aline Jéssica
        Jessica Francisca Rosário Rosario Graciela Milagros Ximena Guadalupe Lourdes Soledad
    """),
    "surname": _pool("""
        González Gonzalez Rodríguez Rodriguez Gómez Gomez López Lopez Martínez Martinez Hernández
        Hernandez Díaz Diaz Pérez Perez Sánchez Sanchez Ramírez Ramirez Torres Flores Rivera Vargas
        Castillo Jiménez Jimenez Moreno Rojas Ortiz Gutiérrez Gutierrez Álvarez Alvarez Ruiz Mendoza
        Castro Herrera Medina Aguilar Ramos Vásquez Vasquez Silva Souza Oliveira Lima Barbosa Ribeiro
        Araújo Araujo Cavalcanti Nascimento Moura Freitas Batista Cárdenas Cardenas Quintero Ospina
        Restrepo Salazar Zapata Cordero Montoya Valencia Pardo
    """),
}

WEST_AFRICAN = {  # Yoruba, Igbo, Akan/Ghanaian, Sierra Leonean, with common Christian forenames
    "male": _pool("""
        Oluwaseun Olumide Oluwatobi Olusegun Oluwafemi Adebayo Adewale Ayodele Babatunde Olatunji
        Oladele Olufemi Kayode Kehinde Taiwo Tunde Segun Femi Dapo Gbenga Yemi Wale Niyi Tope Bamidelé
        Chukwuemeka Chinedu Chibuike Chukwudi Emeka Ikenna Obinna Nnamdi Uchenna Ifeanyi Kelechi
        Chidi Chima Ebuka Okechukwu Somtochukwu Tochukwu Kwame Kwabena Kofi Kwaku Yaw Kwesi Kojo Kweku
        Kwadwo Fiifi Ekow Nana Kobina Yao  Ibrahim Abdul Mohammed Musa Sulaiman Abdulai Alhaji
        Samuel Emmanuel Daniel David Joseph Michael Godwin Victor Stephen Isaac Peter Paul Francis
        Benjamin Solomon Ebenezer Felix Augustine Prince Richard Kingsley Desmond Patrick Innocent
        Gideon Moses Elijah Joshua  Charles Anthony Raphael Sunday Monday Friday Wisdom
    """),
    "female": _pool("""
        Oluwakemi Oluwaseyi Oluwabukola Folake Funmilayo Funmi Bukola Yetunde Abimbola Adunni Adebola
        Aderonke Ronke Titilayo Temitope Tolulope Tolu Omolara Olamide Modupe Morenike Yewande Kemi
        Ngozi Chioma Chiamaka Adaeze Nkechi Ifeoma Uchechi Obiageli Chinwe Chidinma Amarachi Ebere
        Nneka Ogechi Ifeyinwa Ada Akosua Ama Abena Adwoa Afua Yaa Efua Esi Akua Araba Adjoa Maame
        Fatmata Aminata Mariama Isatu Hawa Kadiatu Blessing Grace Comfort Patience Mercy Joy Gift
        Precious Faith Esther Deborah Ruth Elizabeth Victoria Felicia Gloria Beatrice Florence Janet
        Christiana Josephine Rebecca Dorcas Abigail Priscilla Olivia Princess Cynthia Vivian Juliet
    """),
    "surname": _pool("""
        Adeyemi Adebayo Adeleke Adewale Adeniyi Adekunle Afolabi Ajayi Akinola Akintola Alabi Balogun
        Bello Ogunleye Ogunbiyi Ogundipe Ogunlana Okafor Okonkwo Okoro Okeke Okoye Onyeka Nwosu Nwachukwu
        Nwankwo Eze Obi Ozoemena Chukwu Igwe Anyanwu Ibe Uche Onuoha Oyelaran Oyewole Olawale Oladipo
        Olatunji Olaniyan Oyebanji Salami Sanni Fashola Fadipe Fagbemi Falana Ikwuemesi Mensah Asante
        Boateng Owusu Osei Appiah Agyeman Amoah Ansah Asamoah Darko Frimpong Kwarteng Ofori Opoku
        Poku Sarpong Yeboah Acheampong Addo Adjei Amponsah Antwi Badu Bonsu Danquah Gyamfi Kyei
        Oduro Quaye Tetteh Kamara Sesay Conteh Bangura Koroma Turay Jalloh Kargbo Mansaray Fofanah
        Diallo Bah Barrie Sowe Ceesay Jallow Touray Njie Camara Ndiaye Adu Arthur Ankrah Quartey
        Adebayo-Smith Okafor-Williams Johnson Williams Thompson Coker Cole Macauley Davies Wright
    """),
}

SOMALI = {
    "male": _pool("""
        Mohamed Mohammed Mohamud Abdi Abdullahi Abdirahman Abdirashid Abdikadir Ahmed Ali Hassan Hussein
        Omar Osman Yusuf Ismail Ibrahim Farah Jama Said Aden Adan Nur Hirsi Warsame Mahad Mustafe Liban
        Khalid Bashir Sharmarke Guled Abdiaziz Abdiweli Faisal Hamza Yasin Bilal Anwar
    """),
    "female": _pool("""
        Fadumo Faduma Hodan Hawa Halima Amina Asha Ayan Ayaan Deeqa Fardowsa Filsan Hibo Hamdi Ifrah
        Ikran Kaltun Khadija Leyla Layla Muna Maryan Nasra Nimco Ruqiya Sahra Sagal Shukri Sucaad Ubah
        Yasmin Zamzam Zainab Sadia Safiya Ladan Idil Najma Anisa
    """),
    "surname": _pool("""
        Mohamed Mohamud Ahmed Ali Hassan Hussein Abdi Abdullahi Omar Osman Yusuf Ismail Ibrahim Farah
        Jama Said Aden Nur Hirsi Warsame Egal Duale Gedi Guled Hersi Isse Kahin Mire Noor Samatar Shire
        Warfa Yasin Elmi Dirie Barre Adam Abdille
    """),
}

CARIBBEAN = {  # Jamaican, Trinidadian, Barbadian, Grenadian: anglophone names with their own mix
    "male": _pool("""
        Winston Delroy Leroy Errol Everton Clinton Lloyd Desmond Neville Carlton Lascelles Linton
        Roydon Hopeton Cleveland Fitzroy Glenford Headley Wesley Lenford Trevor Dalton Devon Marlon
        Dwayne Andre Damion Omar Kemar Shane Jermaine Tyrone Courtney Cedric Clement Cyril Rupert
        Ezekiel Hezekiah Uriah Ashton Garfield Owen Rohan Patrick Anthony Michael Joseph Samuel Isaac
        Kenroy Lenroy Roy Dudley Vernon Aston Baldwin Byron Calvin Conroy Denzil Elvis Granville
        Hubert Ivan Lester Milton Oswald Rudolph Sylvester Theophilus Ulric Wendell Wilfred Ainsley
        Kwame Jahmal Nathaniel Levi Jerome Tyrell Reon Kareem Malachi
    """),
    "female": _pool("""
        Gloria Hyacinth Beverley Marcia Pauline Claudette Cynthia Sonia Paulette Merline Ivy Iris
        Lorna Gwendolyn Enid Ina Icilda Myrtle Pearline Hortense Daphne Joyce Dorothy Millicent Veronica
        Yvonne Jacqueline Audrey Monica Carmen Sharon Angela Donna Tanya Keisha Shanice Tanisha Latoya
        Kimberley Shereen Simone Natasha Camille Chantelle Kerry-Ann Sherene Marlene Vivienne Novelette
        Winsome Dionne Opal Olive Precious Grace Patience Charmaine Claudia Jennifer Lilieth Ruthlyn
        Sophia Althea Beulah Cherry Delores Euphemia Gertrude Joycelyn Lurline Maud Rosalind Valda
        Zena Jasmine Aaliyah Tia Leah Nia Imani Kezia Abigail Naomi
    """),
    "surname": _pool("""
        Campbell Brown Williams Smith Johnson Thompson Clarke Robinson Reid Wright Francis Edwards
        Morgan Lewis Grant Henry Walker Bailey Gordon Graham James Stewart Palmer Morris Green White
        Wilson Bennett Allen Thomas Samuels Powell Richards Miller McKenzie McFarlane Spencer Lawrence
        Douglas Daley Forbes Ferguson Gayle Harris Hylton Jarrett Lindo Lynch Mattis Mullings Nelson
        Ogilvie Pinnock Rowe Simpson Tomlinson Walters Watson Whyte Blake Bryan Chambers Dacres
        Ellington Fearon Gooden Haughton Hinds Ingram Joseph Kerr Levy Maragh Nembhard Osbourne
        Parchment Quest Ramsay Salmon Scarlett Thorpe Vassell Wallace Barrett Beckford Blackwood
        Charles Daniel Ebanks Facey Gayle Gilzene Hamilton Lambert Mighty Pryce Roach Sinclair
        St_Louis St_Hilaire Baptiste John-Baptiste Jean-Baptiste Noel Prince Alleyne Best Cumberbatch
        Greenidge Holder Layne Maynard Pilgrim Skeete Worrell
    """),
}

SOUTH_ASIAN = {  # Indian (Gujarati, Punjabi, Tamil), Pakistani, Bangladeshi, Sri Lankan
    "male": _pool("""
        Rajesh Ramesh Suresh Mahesh Dinesh Mukesh Rakesh Sanjay Vijay Ajay Anil Sunil Ashok Arun Amit
        Sumit Rohit Rahul Vikram Vikas Deepak Pradeep Sandeep Manoj Nitin Kiran Pravin Hitesh Jayesh
        Kamlesh Bhavesh Nilesh Paresh Harish Girish Gurpreet Harjit Jaswinder Kuldip Manjit Sukhwinder
        Balwinder Parminder Harpal Ranjit Tejinder Arjun Aarav Dev Ravi Krishna Ganesh Murali Senthil
        Karthik Prakash Rajan Sivakumar Thiru Kumaran Mohammed Muhammad Mohammad Ahmed Ahmad Imran Irfan
        Asif Tariq Zahid Shahid Khalid Nadeem Naveed Waqar Faisal Usman Bilal Hamza Zain Ayaan Abdul
        Abdullah Rafiq Aziz Anwar Jamal Kamal Rashid Shafiq Shamsul Mizanur Mohammed_Ali Rahim Karim
        Habib Hasan Hossain Monir Sohel Jahangir Alamgir Shah_Alam Nazrul Saiful Rubel Sajid Amjad
    """),
    "female": _pool("""
        Priya Pooja Anjali Sunita Anita Geeta Gita Meena Rekha Usha Asha Lata Kavita Savita Nisha Neha
        Sneha Divya Deepa Shilpa Smita Jyoti Rani Kiran Manjit Harjit Gurpreet Jaswinder Parminder
        Rajinder Sukhjit Harpreet Amrit Simran Lakshmi Saraswati Kamala Vani Revathi Meenakshi Shanthi
        Hansa Bhavna Nila Dipti Hema Jaya Leela Mala Padma Radha Sita Uma Fatima Fatema Ayesha Aisha
        Amina Rukhsana Shazia Nazia Farzana Shabana Saima Sadia Samina Tahira Yasmin Nasreen Parveen
        Shahnaz Rubina Rehana Ruksana Shirin Taslima Nasima Rokeya Hasina Salma Sultana  Jahanara
        Nurjahan Halima Khadija Maryam Zara Zainab Iqra Mehreen Sana Hina Alina Noor
    """),
    "surname": _pool("""
        Patel Shah Mehta Desai Joshi Pandya Parekh Modi Amin Thakkar Vyas Trivedi Bhatt Chauhan Solanki
        Mistry Parmar Rathod Gohil Sharma Verma Gupta Agarwal Kumar Singh Kaur Gill Sandhu Sidhu Dhillon
        Grewal Bains Johal Sahota Kang Chahal Rai Virdi Atwal Iyer Iyengar Nair Menon Pillai Reddy Rao
        Naidu Krishnan Subramaniam Sivarajah Selvarajah Thevarajah Balasubramaniam Ratnam Perera
        Fernando  Jayasinghe Wijesinghe Khan Ahmed Ali Hussain Hussein Iqbal Akhtar Bibi Butt Malik
        Mahmood Qureshi Raja Rashid  Siddiqui Sheikh Chaudhry Chaudhary Choudhury Chowdhury Rahman
        Miah Uddin Islam Begum Hossain Hoque Haque  Alam Karim Sarkar Khatun Mia Bhuiyan Talukder
        Mollah Awan Anwar Aslam Bashir Javed Latif Mirza Nawaz Rehman Saleem Tariq Younis Zaman
    """),
}

CHINESE = {  # Mandarin pinyin and Cantonese (Hong Kong) romanisations; many use an English forename
    "male": _pool("""
        Wei Jun Hao Jian Ming Qiang Lei Yang Tao Bin Bo Chao Gang Hui Jie Kai Long Peng Feng Xin Yong
        Zhen Zhiwei Jianguo Xiaoming Haoran Zihao Yuxuan Junjie Kwok-Wai Chi-Ming Wing-Kei Ka-Ho
        Siu-Ming Man-Kit Chun-Kit Wai-Keung Kin-Wah Tak-Shing Raymond Kenneth Alan Tony Eric Kelvin
        Vincent Patrick Andy Jacky Dennis Michael Peter Jason Ivan Edmund Leo
    """),
    "female": _pool("""
        Li Mei Ying Xia Yan Hong Jing Fang Min Lan Hua Juan Na Qing Xiu Yu Lin Ling Xiaoyan Xiaohong
        Yuting Jiayi Zihan Shuang Wing-Yee Mei-Ling Siu-Wai Ka-Yan Wai-Man Suk-Ching Lai-Ha Yuk-Lan
        Shuk-Fan Grace Helen Mary Winnie Jenny Amy Fiona Irene Cindy Joyce Rebecca Vivian Annie Karen
    """),
    "surname": _pool("""
        Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang
        Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei
        Su Lu Ding Ren Shen Yao Chan Cheung Wong Leung Lau Ng Lam Ho Chow Tsang Kwok Yip Tse Fung Lai
        Mak Poon Tam  Yeung Choi Chiu Siu Lo Kwan Lui Man Tong Ko Chu Woo Chung Hui Fok
    """),
}

ARAB = {  # Arab, plus North African and Middle Eastern names common in London
    "male": _pool("""
        Mohammed Muhammad Mohamed Mohammad Ahmed Ahmad Ali Omar Umar Hassan Hussein Hussain Khalid
        Youssef Yousef Yusuf Ibrahim Ismail Mahmoud Mustafa Mostafa Abdullah Abdulrahman Abdelaziz
        Tariq Karim Kareem Samir Sami Nabil Walid Waleed Rami Fadi Ziad Ziyad Bassam Hisham Hicham
        Rachid Rashid Said Saeed Amin Amine Adel Adil Jamal Kamal Faisal Majid Nasser Salah Salim Salem
        Anas Hamza Bilal Zakaria Zakariya Idris Driss Nourredine Brahim Mehdi Younes Ayoub Reda Hamid
    """),
    "female": _pool("""
        Fatima Fatma Aisha Aicha Maryam Mariam Khadija Khadidja Zainab Zeinab Amina Amira Layla Leila
        Laila Nour Noor Sara Sarah Hana Hanan Huda Houda Rania Randa Dina Rasha Reem Rim Salma Samira
        Nadia Nadia Souad Soad Yasmin Yasmine Jamila Nabila Latifa Habiba Karima Malika Naima Rachida
        Samia Soumaya Wafa Widad Asma Asmaa Iman Imane Dalia Lina Rana Ghada Mona Muna Najat Siham
    """),
    "surname": _pool("""
        Al-Sayed El-Sayed Al-Masri El-Masri Al-Hassan Al-Ahmad Al-Ali Al-Khatib Al-Najjar Haddad
        Khoury Khouri Nasser Nasr Saleh Salih Mansour Mansur Hamdan Ibrahim Ismail Hussein Hassan
        Abdallah Abdullah Abdelrahman Yousef Youssef Mahmoud Mahmood Mustafa Othman Osman Qassem
        Kassem Rahman Rashid Said Saeed Shaikh Sheikh Taha Yassin Zaki Benali Ben_Ali Benaissa Bennani
        Bouzid Belkacem Chaoui Cherif Haddou El_Amrani El_Idrissi Lahlou Tazi Alaoui Benjelloun
        Darwish Farouk Ghanem Habib Jaber Jaafar Karam Khalil Mahfouz Nassar Obeid Sabbagh Shamsi Zein
    """),
}

# Further names, kept apart so the core pools above stay the commonest (earlier = more frequent).
_MORE = {
    ("english", "male"): """
        Ambrose Barnaby Basil Bertram Clement Crispin Desmond Dudley Edgar Edwin Felix Fergus Gilbert
        Godfrey Horace Humphrey Ivor Jasper Jeffrey Kenelm Laurence Lawrence Mervyn Montague Nelson
        Neville Noel Norris Oswald Quentin Ralph Randolph Rowland Rufus Seymour Sebastian Spencer
        Sylvester Terrence Tobias Travis Warren Wilfrid Alec Alfie Arlo Ellis Finley Frankie Jude Kai
        Leo Louie Mason  Ollie Reggie Ronnie Rory Stanley Teddy Tommy Zachary Bradley Shaun
    """,
    ("english", "female"): """
        Adelaide Agatha Alma Amelia Annabel Bridie Cecilia Cicely Cora Daphne Delia Dinah Dora Elspeth
        Enid Esme Esther Ethel Eunice Felicity Flora Freda Georgia Gertrude Greta Hattie Henrietta
        Hester Ida Imelda Ingrid Isobel Jemima Juliet Kitty Letitia Lottie Mabel Madeleine Marguerite
        Mavis Maxine Mildred Nancy Nora Olwen Pamela Penelope Petra Prudence Queenie Rhoda Rosalind
        Rowena Sadie Selina Stella Tabitha Thelma Una Ursula Verity Vivien Wilhelmina Yvette Zara
        Aimee Amber Courtney Danielle Faye Hayley Jodie Kayleigh Lauren Melanie Paige Shannon Tara
    """,
    ("english", "surname"): """
        Abbott Acton Ainsworth Alcock Aldridge Allsop Ambler Appleby Archer Arnold Ashton Atherton
        Bagley Bancroft Barlow Barton Bateman Baxter Beckett Benson Birch Blackburn Blake Bolton Bond
        Bowen Bowler Bradshaw  Briggs Broadbent Brookes Buckley Bull Burgess Butcher Cannon
        Carpenter Chadwick Chandler Clayton Clegg Collier Connor Cooke Coombes Cope Cotton Crabtree
        Cross Curtis Dalton Daniels Davidson Dodd  Draper Duckworth Dunn Dyson Eastwood Elliott
        Emery Farrow Fenton Field Finch Fleming Ford Forster  Freeman Fuller Garner Gibbs
        Goddard Gough Gregory Griffin Hale Halliday Hancock Harding Hardy Harper Hartley Haworth
        Hayward Heath Henderson Higgins Hodges Holt Hopkins Horton Howe  Hurst Hutchinson
        Ingram Jarvis Jennings Jordan Kay Kendall Kirby Kirk  Lang Lawson Leach Lees Lord
         Mann Marsden Mellor Metcalfe Miles Milner Moran Morley Morton Nixon Norton Oliver Osborne
        Parkinson Peacock Pennington Perkins Pollard Preston Pritchard  Ramsden Randall Read
        Rees Riley Robson Rowley  Sargent Schofield Sharpe Short Skinner  Stanley
        Stephenson Stokes Storey Swift Talbot Tate Thornley Tomlinson Towers Townsend Turnbull
        Wade Walton Warburton Webster Whittaker Wilde Wilkins Winter Wolfe Woolley Wragg Wyatt 
    """,
    ("irish", "male"): """
        Aengus Aonghus Brendán Caoimhín Colum Conall Dónal Donnacha Donncha Eamonn Enda Fiachra Fionn
        Gearóid Kian  Lughaidh Mícheál Naoise Oran Pearse Proinsias Riain Rían Ruadhán Séan
        Tiarnán Turlough Cian Odhran
    """,
    ("irish", "female"): """
        Aífe Bláithín Bríd Caitlín  Clíodhna Dearbhla Éabha Eibhlín Éile Fíona Gobnait Laoise
        Líadan  Máiréad Nessa Nollaig Nóirín  Ríona Rosheen  Sláine Siún Tríona
         Aoibheann Aoibhinn Caoilfhionn
    """,
    ("european", "male"): """
        Adam Adrian Aleksander Artur Bogusław Cezary Czesław Damian Edward Emil Filip Franciszek
        Henryk Hubert Igor Janusz Jarosław Kacper Karol Konrad Leszek Maciej Marek Mariusz Mirosław
        Norbert Oskar Patryk Radosław Robert Roman Ryszard Sławomir Szymon Tadeusz Waldemar Wiktor
        Zdzisław Afonso Bernardo Diogo Eduardo Henrique Hugo Joaquim Mário Mario Martim Rodrigo
        Salvador Sérgio Vítor Xavier Ignacio Íñigo Jesús Joaquín Nicolás Ramón Rubén Emanuele Fabio
        Gianluca Leonardo Riccardo Salvatore Vincenzo Aurélien Baptiste Cédric Grégoire Loïc Rémi
        Žilvinas Gintaras Arūnas Ştefan Radu Costel Vasile Kostas Panagiotis Sotiris
    """,
    ("european", "female"): """
        Alicja Bożena Danuta Elżbieta Grażyna Hanna Irena Iwona Jolanta Julia Kinga Lidia Marta
        Marzena Milena Oliwia Paulina Renata Sylwia Teresa Urszula Weronika Wanda Zuzanna Adriana
        Benedita Carolina Cátia Cláudia Filipa Graça Helena Irene Luísa Madalena Patrícia Rita Sónia
         Vera Amparo Araceli Consuelo Inmaculada Montserrat Rocío Ainhoa Alba Noemí Lucrezia
        Ilaria Serena Silvia Simona Benedetta Noémie Océane Séverine Clémence Mélanie Gaëlle
        Aušra Dalia Jūratė Laima  Gabriela Raluca Cristina Daniela Despina Paraskevi Vasiliki
    """,
    ("european", "surname"): """
        Adamczyk Baran Borkowski Czarnecki Dudek Górski Jakubowski Jasiński Kaczmarek Kalinowski
        Kołodziej Kubiak Lis Majewski Malinowski Marciniak Nowakowski Olszewski Ostrowski Pietrzak
        Rutkowski Sadowski Sikora Sobczak Szewczyk Tomaszewski Walczak Wróbel Zając Ziółkowski Abreu
        Amaral Antunes Azevedo Baptista Borges Brito Campos Cunha Dias Faria Figueiredo Fonseca
        Freitas  Guerreiro Leite Loureiro Macedo Magalhães Matos Medeiros Miranda Morais Pacheco
        Paiva Pires Quintas Rebelo Reis Sá Simões Tavares Valente Vaz Aguirre Blanco Cabrera Delgado
        Domínguez Estévez Garrido Iglesias Lozano Marín Navarro Ortega Prieto Rubio Serrano Vidal
        Barbieri Caruso Fontana Galli Lombardi Moretti Pellegrini Rinaldi Santoro Villa Blanchard
        Chevalier Fontaine Gauthier Lemaire Mercier Rousseau Vasseur Žukauskas Stankevičius Vasilescu
        Constantinescu Economou Karagiannis Vlachos Wojciechowska Nowicka
    """,
    ("latin_american", "male"): """
        Alberto Álvaro Armando Arturo Cristian Darío Efraín Enrique Esteban Fabián Federico Gerardo
        Gonzalo Guillermo Hernando Ignacio Jaime Jhon Jairo Leonel Luciano Manuel Martín Mateo Nelson
        Norberto Orlando Pedro Raúl René Roberto Rubén Sergio Tomás Ulises Wilson Yeison Anselmo
        Caio Davi Enzo Flávio Guilherme Heitor Ícaro Joaquim Juliano Otávio
    """,
    ("latin_american", "female"): """
        Alicia Amparo Ángela Beatriz Blanca Cecilia Consuelo Elena Estefanía Esperanza Gloria Inés
        Isabel Jimena Julieta Leidy Lorena Lucía Luciana Marcela Mariela Martha Nataly Nelly Olga
        Pilar Rocío Rosa Sara Silvia Sofía Susana Tatiana Teresa Verónica Viviana Yesenia Zulema
        Bianca Cristiane Débora Eliane Fabiana Gisele Márcia Raquel Simone Tainá
    """,
    ("latin_american", "surname"): """
        Acosta Aguirre Arias Ávila Benítez Bermúdez Cabrera Calderón Camacho Campos Cano Carrillo
        Chávez Contreras Correa Delgado Domínguez Escobar Espinoza Estrada Figueroa Fuentes Gallego
        Garzón Giraldo Guerrero Guzmán Ibarra Jaramillo Lara León Londoño Luna Maldonado Marín Mejía
        Molina Mora Muñoz Navarro Núñez Ochoa Ortega Osorio Pacheco Paredes Peña Ríos Rincón Romero
        Rubio Sandoval Serrano Suárez Toro Trujillo Valdez Vega Velásquez Villa Cardoso Carvalho
        Dias Gomes Mendes Pereira Rocha Santana Teixeira
    """,
    ("west_african", "male"): """
        Abiodun Adeola Adeyinka Akinwale Akintunde Ayomide Ayotunde Bolaji Damilola Dayo Ademola
        Fisayo Gbolahan Ibukun Ikechukwu Jide Kunle Lanre Muyiwa Olawale Olayinka Oluwadamilare
        Oluwaseyi Rotimi Sola Tayo Tobiloba Tosin Wole Yinka Amaechi Chiedu Chinonso Chisom Chukwuma
        Ejike Ekene Izuchukwu Kenechukwu Nnaemeka Obiora Onyekachi Uchechukwu Uzoma Akwasi Atta Ebo
         Kwamena  Nii Paa  Alimamy Foday Momodu Sahr Sorie Tamba Lamin Ousman
        Ebrima Modou Bakary Alassane Mamadou Sekou Boubacar
    """,
    ("west_african", "female"): """
        Adenike Adesola  Bimpe Bisola Busola Damilola Dupe Ebunoluwa Folasade Ibukun
        Ifeoluwa Iyabo Jumoke Mojisola Moyosore Olabisi Oladunni Olajumoke Olayinka Omotola
        Opeyemi Ayomide Titilope Yemisi Adaora Amaka Chidera Chinyere Chisom Ezinne Ifunanya Kamsiyochi
        Ngozika Nkiruka Obianuju Oluchi Onyinye Somadina Uju  Ekua  Kukua Mansa Naana
        Serwaa Dzifa Edem Isata Mabinty Memunatu Zainab Fatou Awa Binta Haddy Isatou 
    """,
    ("west_african", "surname"): """
        Abiodun Adebisi Adedeji Adegoke Adeleye Adenuga Aderemi Adesanya Adetunji Adewumi Agbaje
        Ajibade Akande Akinbode Akinyemi Alade Amusan Awolowo Ayodele Babalola Banjo Bankole Dada
        Egunjobi Fadahunsi Fagbohun Faleye Fashanu Idowu Ilori Kolawole Lawal Makinde Odunsi Ogundele
        Ogunjobi Ojo Okunola Olabode Olagunju Olaniyi Oloyede Omotosho Onabanjo Oni Opeyemi Oshodi
        Osundare Oyebode Oyelade Popoola Sowemimo Taiwo  Achebe Agu Akpan Anozie Azikiwe
        Chukwuma Ekwueme Emenike  Ezeh Ibekwe Iheanacho Madu Mbah Nnadi Nwafor Nwogu Obiora
        Odogwu Ogbonna   Okonjo Okpara Onwuka Orji Udeh Ugwu Umeh Aboagye Adomako
        Agyei Akoto Amankwah Anane  Asare Awuah Bekoe Boakye Dankwa Donkor Gyasi Kusi Manu
        Nkansah Nyarko Obeng Ocran Okyere Osei-Bonsu Owusu-Ansah Sarfo Twumasi Wiredu
    """,
    ("somali", "male"): """
        Abdisalam Abdiqani Abdinasir Abdifatah Abdimalik Abdirizak  Ayanle Barkhad Cabdi
        Cali Daud Deeq Hamse Harun Ilyas Mukhtar Musse Nuur Qasim Ridwan Saciid Sakariye Sharif
        Siad Suleiman Yonis Zakariye Axmed Maxamed Xasan Xuseen Cumar Cismaan
    """,
    ("somali", "female"): """
        Amal Aaliyah Bilan Dahabo Faadumo Fowsia Habiba Hafsa  Hani Hinda Hodo Istahil Khadra
        Luul Maryama Nafiso Naciimo Qamar Raxma Rukia Samira Saynab Shamso Ubax Xaliimo Xamdi Yurub
        Zahra Caasha Cawo Sacdiyo Faiza Iqra
    """,
    ("somali", "surname"): """
        Abdirahman Adan  Aw-Abdi Awale Bihi  Gure   Jibril Kulmiye Madar
        Mahamud Mohamoud Muse Nuh Qalib Roble Salad Sheikh Shirwac Siyad Ugas Wardere  Cabdulle
        Xirsi  Axmed Maxamuud Cali Xuseen Faarax
    """,
    ("caribbean", "male"): """
        Alphonso Alvin Arnold Beresford Carlisle Claudius Cornelius Delano Delford Donovan Easton
        Egbert Eustace Everald Fitzgerald Gladstone Horace  Ignatius  Kirk Lennox
        Leon Linford Lucius Mortimer Noel Orville Percival Ransford Ricardo  Selwyn Sheldon
        Stafford Steadman  Vivian  Zebedee Akeem Andrae Dwight Jamar Jevaun Kemoy
        Kieran  Odane Romario Shamar Tajay Tevin
    """,
    ("caribbean", "female"): """
        Adassa  Angelina Annette Avis Carmeta Cislyn Clarice Clover Darlene Dawn Delphine
        Elaine Elvira Evadne Fay  Hermione  Icylin Jasmin Jodian Kadian 
        Lorraine Marjorie Maxine Melrose Merle Monique Nadine Nordia Novia Odetta Petal Pamela
        Rosemarie Rochelle Shauna Sheree  Sonya Tamika Trudy-Ann Venice Verna Yolande Zoe
        Ashanti Jada Kayla Shanelle Tianna
    """,
    ("caribbean", "surname"): """
        Anderson Archer Barnett Beckles Bernard Bignall Bogle Bowen Braithwaite Brissett Burke Burrell
        Cameron Chin Clayton Coley Cunningham Dawkins Dixon Downer Dunkley   Ennis
         Gardner Gilbert  Gray Haye  Hibbert Hudson Jackson  
        Kelly Kennedy Lawes Linton Marriott Mcintosh McLean  Mitchell Neita Nugent Patterson
        Peart Phillips Porter Pottinger Reynolds Riley  Rose Russell Samuda Sewell Shaw
        Simms  Small Stephenson  Taylor  Tulloch  Ward Webley Wedderburn
        Whittingham Williamson Wilmot Witter Young
    """,
    ("south_asian", "male"): """
        Abhishek Aditya Akash Alok Anand Aniket Ankit Anup Arvind Ashish Bharat Chetan Darshan
        Gaurav Gopal Hari Hemant Jagdish Kishore Lalit Mohan Naresh Navin Nikhil Om Pankaj Parag
         Ravindra Sachin Sameer Satish Shailesh Shyam Subhash Sudhir Tushar Umesh Varun Yogesh
        Amarjit Baljit Daljit Gurdev Gurmit Inderjit Jagjit Kulwant Mandeep Narinder Sarbjit Surinder
        Balasubramanian Gopalakrishnan Jeyakumar Muthu Raghavan Suthakaran Tharmalingam Vignesh
        Adnan Akbar Arif Atif Ayub Ehsan Farhan Ghulam Haris Iqbal Junaid Kashif Majid Mehmood Mubarak
        Nasir Noman Obaid Qasim Raheel Sohail Tahir Waseem Yasir Zubair Abul Anisur Habibur Jamil
        Kamrul Lutfur Masud Nurul Rezaul Shahidul Shafiqul Tanvir
    """,
    ("south_asian", "female"): """
        Aarti Alka Anjana Archana Bharti Chandra Daksha Ekta Falguni Heena Indira Jayshree Kalpana
        Kamini Kokila Komal Lalita Madhu Mamta Manisha Minal Mira Nalini Nandini Neelam Nirmala
        Padmini Poonam Pushpa Rajni Ranjana Reena Ritu Rupa Sangeeta Sarita Seema Shanta Sheetal
        Shobha Sonal Sushma Swati Trupti Urmila Vandana Varsha Balbir Charanjit Gurdip Jasbir Kamaljit
        Kulvinder Paramjit Ranjit Satwant Surjit Tharshini Kavitha Mythili Nithya Sathya Thulasi
        Afia Anila Bushra Fauzia Ghazala Humaira Kausar Mahnoor Misbah Naila Nusrat Rabia Samia Shagufta
        Sumaira Uzma Zubaida Anowara Delwara Jahura Momtaz Nazma Rahima Shamima Shilpi Sufia
    """,
    ("south_asian", "surname"): """
        Acharya Bhatia Chopra Dave Doshi Gandhi Jain Kapoor Kapur Khanna Lal Malhotra Mehra Nanda
        Pandey Prasad Rana Saxena Sethi Shukla Sinha Srivastava Tiwari Tripathi Upadhyay Varma Yadav
        Bhogal Dhaliwal Gosal Hayre Hundal Kalsi Khaira Mann Nijjar Randhawa Sanghera Sekhon Sohal
        Thandi Uppal Arumugam Chandrasekaran Ganesan Jeyaseelan Kandiah Mahalingam Murugan Nadarajah
        Param Rajaratnam Shanmugam Sundaram Thiruchelvam Vijayakumar Abbasi Ansari Baig Bhatti Chaudhri
        Dar Farooq Ghani Hameed Hashmi Jamil Kazmi Lodhi Mughal Naqvi Niazi Qazi Rizvi Sabir Sadiq Shafi
        Syed Zaidi Ahmmed Akanda   Ashraf Bepari Biswas Das Ghosh Howlader Kabir Molla Munshi
        Rahim   Sikder Siddique
    """,
    ("chinese", "male"): """
        Bao  Chuan Da Fei Guang Guo Hai Heng Hong Jia Jiang Jin Kun Liang  Ning  Rui
        Shan Sheng Shi Song Wen Xiang Xiao Xiong Xu Yi Yu Yuan Zhi Zhong  Chun-Wai Hon-Ming
        Kam-Fai Kwok-Keung Ming-Wai Pui-Kei Shu-Ming Sze-Chun Tsz-Hin Wai-Lun Yiu-Wing Benny Derek
        Gary Henry Kenny Simon Stanley Terence
    """,
    ("chinese", "female"): """
        Ai Bing Chen Dan Fei Hui Jiao Jie Jun Lei Li-Na Lili Ling-Ling Mei-Hua Qian Rong Ruo Shu Ting
        Wan Wei Xiaomei Xin Xue Yanyan Yi Yue Yun Zhen Zhi Chui-Ling Hoi-Yan Ka-Wai Mei-Yee Oi-Ling
        Po-Yee Sau-Ling Siu-Ling Tsz-Yan Wai-Ying Wing-Sze Yuen-Ting Bonnie Candy Connie Doris
        Esther Iris Josephine Kitty Lily Maggie Peggy Rita Stella Tracy
    """,
    ("chinese", "surname"): """
        Bai Bao Chai Chang Chiang Chin Dai Fan Fang Fu Geng Gong Gu Hao Hou Jia Jin Kang Kong Lei Lian
        Liao Long Lou Meng Mo Mu Ning Niu Ou Qian Qin Qiu Shi Shu Tao Wan Wen Xia Xiang Xiong Xue Yan
        Yin Ying Zhai Zhong Zou Au Chau Cheng  Ching Chong Hau Hung Kam Keung  Lee Leong Lum
        Mok Ngai Pang Sin Sze Tai To Tsui Wai  Yau Yuen
    """,
    ("arab", "male"): """
        Abbas Abdelkader Abdelhak Ayman Badr Bakr Fares Fouad Ghassan Hatem Haitham Hossam Imad
        Issa Jaber Jawad Kais Khaled Louay Marwan Moataz Mounir  Nizar Osama Qais Raed Riad
        Sabri Sharif Tamer Wael Yahya Yazan Zaid  Abdelilah Abderrahim Aziz Hakim Lahcen Mourad
        Noureddine  Soufiane Tarek
    """,
    ("arab", "female"): """
        Abeer Afaf Aya Basma Bushra Duaa Fadwa Farah Ghalia Hala Haifa Hiba Ibtisam Inas Jana Jumana
        Kawthar Lama Lubna Majida Malak Manal Marwa Maysa Nada Nahla Nawal Noha Rahaf Ranya Rawan
        Sabah Safaa Samar Sawsan Shaima Suha Tasnim Wafaa Zahra Zeina Fatiha Hayat  Loubna
        Meriem Nora Ouafae Saida
    """,
    ("arab", "surname"): """
        Abbas Abboud Abdelaziz Abdelkader Ahmadi Al-Amin Al-Bakri Al-Dosari Al-Faisal Al-Hakim
        Al-Hashimi Al-Jabouri Al-Kaabi Al-Mansour Al-Obaidi Al-Qahtani Al-Rashid Al-Shami Al-Tamimi
        Al-Zahrani Amrani Ayoub Azzam Badawi Bakr Barakat Chahine Daher Dabbagh Fakhoury Farah Fayad
        Ghazal Hamdi Hammoud Hijazi Issa Kanaan Khalaf Maalouf Makki Mousa Nader  Rizk
        Saad Sabri Salameh Sharif Suleiman Toumi Yacoub  Zidane Boukhari El_Fassi El_Mansouri
        Ouali Rahmani Saidi
    """,
}
NAME_TRADITIONS: dict[str, dict[str, np.ndarray]] = {
    "english": ENGLISH,
    "irish": IRISH,
    "european": EUROPEAN,
    "latin_american": LATIN_AMERICAN,
    "west_african": WEST_AFRICAN,
    "somali": SOMALI,
    "caribbean": CARIBBEAN,
    "south_asian": SOUTH_ASIAN,
    "chinese": CHINESE,
    "arab": ARAB,
}
for (_tradition, _kind), _text in _MORE.items():
    _core = NAME_TRADITIONS[_tradition][_kind]
    NAME_TRADITIONS[_tradition][_kind] = np.array(list(dict.fromkeys([*_core, *_pool(_text)])), dtype=object)
TRADITION_NAMES = list(NAME_TRADITIONS)

# Traditions in which the family name is written first or is a patronymic, so a clerk often
# swaps the two fields; the per-tradition multiplier on the base forename/surname swap rate.
SWAP_RATE_MULTIPLIER = {
    "english": 1.0, "irish": 1.0, "european": 1.5, "latin_american": 2.0, "west_african": 4.0,
    "somali": 6.0, "caribbean": 1.0, "south_asian": 3.0, "chinese": 8.0, "arab": 4.0,
}

# English nicknames a record may carry instead of the formal forename.
NICKNAMES = {
    "William": ["Bill", "Billy", "Will", "Liam"], "Robert": ["Bob", "Bobby", "Rob"],
    "Richard": ["Dick", "Rich", "Rick"], "James": ["Jim", "Jimmy", "Jamie"],
    "John": ["Jack", "Johnny"], "Michael": ["Mike", "Mick", "Micky"], "Thomas": ["Tom", "Tommy"],
    "Edward": ["Ted", "Eddie", "Ed"], "Anthony": ["Tony"], "Kenneth": ["Ken", "Kenny"],
    "Ronald": ["Ron", "Ronnie"], "Raymond": ["Ray"], "Frederick": ["Fred", "Freddie"],
    "Albert": ["Bert", "Bertie"], "Harold": ["Harry", "Hal"], "Henry": ["Harry", "Hank"],
    "Stanley": ["Stan"], "Leonard": ["Len", "Lenny"], "Leslie": ["Les"], "Reginald": ["Reg"],
    "Charles": ["Charlie", "Chas", "Chuck"], "Alfred": ["Alf", "Alfie"], "Joseph": ["Joe", "Joey"],
    "Peter": ["Pete"], "Christopher": ["Chris"], "Stephen": ["Steve"], "Steven": ["Steve"],
    "Andrew": ["Andy", "Drew"], "Daniel": ["Dan", "Danny"], "David": ["Dave", "Davy"],
    "Matthew": ["Matt"], "Nicholas": ["Nick", "Nicky"], "Patrick": ["Pat", "Paddy"],
    "Samuel": ["Sam", "Sammy"], "Benjamin": ["Ben"], "Alexander": ["Alex", "Sandy"],
    "Timothy": ["Tim"], "Philip": ["Phil"], "Gerald": ["Gerry"], "Terence": ["Terry"],
    "Francis": ["Frank"], "Douglas": ["Doug"], "Bernard": ["Bernie"], "Herbert": ["Herb", "Bert"],
    "Walter": ["Wally"], "Sidney": ["Sid"], "Clifford": ["Cliff"], "Vincent": ["Vince"],
    "Jonathan": ["Jon"], "Geoffrey": ["Geoff"], "Malcolm": ["Mal"], "Kevin": ["Kev"],
    "Margaret": ["Peggy", "Maggie", "Meg", "Margo"], "Elizabeth": ["Liz", "Beth", "Betty", "Lizzie"],
    "Patricia": ["Pat", "Patsy", "Trish"], "Catherine": ["Kate", "Cathy", "Kitty"],
    "Katherine": ["Kate", "Kathy"], "Kathleen": ["Kath", "Kathy"], "Susan": ["Sue", "Susie"],
    "Jennifer": ["Jenny", "Jen"], "Deborah": ["Debbie", "Deb"], "Rebecca": ["Becky", "Becca"],
    "Victoria": ["Vicky", "Tori"], "Christine": ["Chris", "Chrissie"], "Dorothy": ["Dot", "Dolly"],
    "Winifred": ["Winnie"], "Florence": ["Flo", "Florrie"], "Mary": ["Molly", "Polly"],
    "Barbara": ["Babs"], "Josephine": ["Jo", "Josie"], "Jacqueline": ["Jackie"],
    "Gillian": ["Jill"], "Frances": ["Fran"], "Theresa": ["Tess"], "Teresa": ["Terry"],
    "Valerie": ["Val"], "Sandra": ["Sandy"], "Pauline": ["Paula"], "Abigail": ["Abby"],
    "Eleanor": ["Ellie", "Nell"], "Harriet": ["Hattie"], "Samantha": ["Sam"], "Charlotte": ["Lottie"],
    "Isabella": ["Bella"], "Matilda": ["Tilly"], "Constance": ["Connie"], "Agnes": ["Aggie"],
    "Bridget": ["Biddy"], "Gwendoline": ["Gwen"], "Beverley": ["Bev"], "Angela": ["Angie"],
    "Hyacinth": ["Cynthia"], "Claudette": ["Claudie"], "Gloria": ["Glo"],
    "Oluwaseun": ["Seun"], "Oluwatobi": ["Tobi"], "Oluwafemi": ["Femi"], "Babatunde": ["Tunde"],
    "Olusegun": ["Segun"], "Oluwakemi": ["Kemi"], "Funmilayo": ["Funmi"], "Chukwuemeka": ["Emeka"],
    "Aderonke": ["Ronke"], "Titilayo": ["Titi"], "Tolulope": ["Tolu"], "Oluwabukola": ["Bukola"],
}

# Transliteration variants: the same person written differently by two clerks.
TRANSLITERATIONS = [
    ["Mohammed", "Muhammad", "Mohamed", "Mohammad", "Mohamad", "Muhammed"],
    ["Ahmed", "Ahmad", "Ahmet"], ["Yusuf", "Yousef", "Youssef", "Yousuf"],
    ["Hussein", "Hussain", "Husain", "Hosein"], ["Hassan", "Hasan"], ["Omar", "Umar"],
    ["Abdullah", "Abdulla", "Abdallah"], ["Abdirahman", "Abdulrahman", "Abdurahman"],
    ["Mustafa", "Mostafa", "Mustapha"], ["Ibrahim", "Ebrahim"], ["Ismail", "Ismael"],
    ["Fatima", "Fatma", "Fatimah", "Fatema"], ["Aisha", "Ayesha", "Aicha", "Aysha"],
    ["Khadija", "Khadijah", "Khadidja"], ["Zainab", "Zeinab", "Zaynab"], ["Maryam", "Mariam"],
    ["Layla", "Leila", "Laila", "Leyla"], ["Yasmin", "Yasmine", "Yasmeen"],
    ["Mohamud", "Mahmoud", "Mahmood"], ["Fadumo", "Faduma"], ["Ayan", "Ayaan"],
    ["Chowdhury", "Choudhury", "Chaudhry", "Chaudhary"], ["Hossain", "Hussain", "Hosain"],
    ["Rahman", "Rehman"], ["Hoque", "Haque", "Huq"], ["Miah", "Mia"],
    ["Zhang", "Chang", "Cheung"], ["Chen", "Chan"], ["Wang", "Wong"], ["Liu", "Lau"],
    ["Huang", "Wong"], ["Zhou", "Chow"], ["Li", "Lee", "Lei"], ["Wu", "Ng", "Woo"],
    ["Olumide", "Olu"], ["Adeyemi", "Adeyemy"], ["Okafor", "Okaafor"],
    ["Chukwu", "Chuku"], ["Nwosu", "Nwosuh"],
]

# Characters without a Unicode decomposition that systems still flatten.
EXTRA_ASCII_FOLD = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Đ": "D", "đ": "d",
                    "ı": "i", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "а": "a"}

# Placeholder names that case-management systems carry for unidentified or test persons.
PLACEHOLDER_NAMES = [("BABY", "BOY"), ("BABY", "GIRL"), ("UNKNOWN", "UNKNOWN"), ("TEST", "PATIENT"),
                     ("UNKNOWN", "MALE"), ("UNKNOWN", "FEMALE"), ("TEST", "TEST"), ("NOT", "KNOWN")]
